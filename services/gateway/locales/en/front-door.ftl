### portal/front_door.rs

front-door-title = Apply online for travel and entry documents
front-door-lead = Choose the agency that handles your application, then its online service.
front-door-sign-in = Sign in
front-door-register = Create an account
front-door-staff-sign-in = Staff sign-in
front-door-none = No agency offers its services on this platform yet.
front-door-api = Developers: the JSON API (OpenAPI)
