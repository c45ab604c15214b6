### portal/applicant/courier.rs

courier-title = Courier orders
courier-intro = Applications whose permit is sent by courier: once made, it is handed to the courier, and the tracking number shows here.
courier-none = No application has its permit sent by courier.
courier-receipt-number = Application number
courier-application-type = Application type
courier-applicant = Applicant
courier-state = Status
courier-address = Delivery address
courier-tracking-number = Tracking number
courier-dispatched-at = Sent
courier-delivered-at = Delivered
courier-not-yet = Not yet
courier-addresses = Manage saved addresses
