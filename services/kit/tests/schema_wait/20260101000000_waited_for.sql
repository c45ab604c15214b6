CREATE TABLE waited_for (id bigint PRIMARY KEY);
