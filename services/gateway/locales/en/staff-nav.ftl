### portal/staff/desk.rs

staff-nav-staff-pages = Staff pages
staff-nav-review = Review queues
staff-nav-counter = Counter
staff-nav-appointments = Appointments
staff-nav-catalog = Catalog
staff-nav-announcements = Announcements
