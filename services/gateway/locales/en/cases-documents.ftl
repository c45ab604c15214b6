### portal/applicant/documents.rs

cases-documents-title = Downloads
cases-documents-intro = The documents issued to you: acknowledgements of submission, appointment letters, pickup slips, convenience-store payment slips, electronic permits and receipts. Search by group number, receipt number or payment date.
cases-documents-none = No document matches.
cases-documents-kind = Document
cases-documents-number = Number
cases-documents-receipt = Receipt number
cases-documents-group = Group number
cases-documents-issued = Issued
cases-documents-from = Paid from
cases-documents-to = Paid until
cases-documents-search = Search
cases-documents-download = Download
cases-documents-revoked = Revoked
cases-documents-acknowledgement = Acknowledgement
cases-documents-e-permit = Electronic permit
cases-documents-receipt-kind = Electronic receipt
cases-documents-appointment-letter = Appointment letter
cases-documents-pickup-slip = Pickup slip
cases-documents-payment-slip = Convenience-store payment slip
cases-documents-err-date = Write the date as year-month-day
