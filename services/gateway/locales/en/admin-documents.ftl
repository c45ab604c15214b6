### portal/staff/admin/documents.rs

admin-documents-title = Issued documents
admin-documents-intro = Find the documents issued for a receipt number. A revoked document's seal verifies as revoked; re-rendering lays it out again with the current templates as a new version and keeps the old one. Both need a reason.
admin-documents-receipt = Receipt number
admin-documents-find = Find
admin-documents-none = No document was issued for this receipt number.
admin-documents-kind = Document
admin-documents-number = Number
admin-documents-rendered = Rendered
admin-documents-version = Version
admin-documents-state = State
admin-documents-valid = Valid
admin-documents-revoked = Revoked
admin-documents-reason = Reason
admin-documents-revoke = Revoke
admin-documents-rerender = Re-render
admin-documents-done-revoked = The document is revoked.
admin-documents-done-rerendered = Rendered again with the current templates; the old version is kept.
admin-documents-err-reason = Give a reason (at most 500 characters)
admin-documents-err-template = This document cannot be rendered again: the current catalog no longer issues it, or its template does not lay it out.
