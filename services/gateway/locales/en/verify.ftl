### portal/verify.rs

verify-title = Verify a document
verify-intro = Anyone can check a document this platform issued: paste (or scan) the text of its QR code, or upload its PDF.
verify-seal-label = QR code text
verify-seal-help = Scan the QR code at the top right of the document with a phone and paste the text here.
verify-check = Check
verify-or-pdf = Or upload the PDF
verify-pdf-label = The document's PDF
verify-check-pdf = Check the PDF
verify-valid = Valid
verify-valid-body = This document was issued by the agency below and its signature is right. It says:
verify-invalid = Not valid
verify-invalid-body = This is not a document this platform issued, or it was changed.
verify-revoked = Revoked
verify-revoked-body = This platform issued this document, but the issuing agency has revoked it: it must not be used.
verify-agency = Issued by
verify-kind = Document
verify-number = Number
verify-holder = Holder
verify-born = Date of birth
verify-issued = Date of issue
verify-expires = Valid until
verify-keys = Public keys for offline verification (JSON)
verify-err-empty = Paste the QR code's text or choose a PDF
verify-err-long = The QR code's text is too long
verify-err-pdf = The PDF cannot be read or is larger than 5 MB
