### portal/applicant/header.rs

nav-apply = Apply
nav-applicants = Applicants
nav-account = My account
nav-payments = Payments
nav-documents = Downloads
nav-addresses = Addresses
nav-courier = Courier orders
nav-messages = Messages
nav-unread = unread
