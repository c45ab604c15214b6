### portal/staff/admin/reconciliation.rs

admin-reconciliation-title = Reconciliation
admin-reconciliation-intro = Every day, each payment provider's settlement file of the day before is compared with the ledger; each difference needs looking into.
admin-reconciliation-run-title = Reconcile now
admin-reconciliation-provider = Provider
admin-reconciliation-day = Settlement day
admin-reconciliation-day-help = YYYY-MM-DD (UTC), today or earlier.
admin-reconciliation-run = Reconcile
admin-reconciliation-ran = The day is reconciled.
admin-reconciliation-none = No reconciliation has run yet.
admin-reconciliation-settled-rows = Settled rows
admin-reconciliation-recorded-rows = Ledger rows
admin-reconciliation-matched = Matched
admin-reconciliation-missing = Missing from the ledger
admin-reconciliation-extra = Not settled
admin-reconciliation-mismatched = Amounts differ
admin-reconciliation-run-at = Run at
admin-reconciliation-actor = By
admin-reconciliation-transaction = Transaction
admin-reconciliation-difference = Difference
admin-reconciliation-settled = Settled
admin-reconciliation-recorded = In the ledger
admin-reconciliation-agrees = Everything agrees.
admin-reconciliation-unavailable = The provider's settlement file is not available now; try again shortly.
admin-reconciliation-err-provider = Choose a provider
admin-reconciliation-err-day = Enter today or an earlier day (YYYY-MM-DD)
