### portal/staff/admin/mod.rs

admin-desk-admin-title = Agency administration
admin-desk-admin-intro = Manage the agency's catalog and announcements.
admin-desk-catalog-title = Catalog
admin-desk-catalog-summary = Published versions; validate and publish a new one.
admin-desk-announcements-title = Announcements
admin-desk-announcements-summary = Add, change and remove the notice board's announcements.
admin-desk-reconciliation-title = Reconciliation
admin-desk-reconciliation-summary = Each payment provider's daily settlement file against the ledger.
admin-desk-documents-title = Issued documents
admin-desk-documents-summary = Find documents by receipt number; revoke one or render it again with the current templates.
