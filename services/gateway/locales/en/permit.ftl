### portal/applicant/permit.rs

permit-title = Your permit
permit-number = Permit number
permit-valid-until = Valid until
permit-validity = Validity
permit-entries = Entries
permit-stay = Stay per entry
permit-preview-title = What the permit will grant
permit-preview-hint = Worked out from your answers so far; fixed when the permit is issued.
permit-single = Single
permit-double = Double
permit-multiple = Multiple
# `$n` days.
permit-days = up to { $n } days
# `$n` years, and one year.
permit-years = { $n } years
permit-year = 1 year
# `$n` months, and one month.
permit-months = { $n } months
permit-month = 1 month
permit-delivery-title = Delivery
permit-delivery-address = Delivery address
permit-tracking-number = Courier tracking number
