### portal/staff/admin/announcements.rs

admin-announcements-list-title = Announcements
admin-announcements-none = There are no announcements.
admin-announcements-add = Add an announcement
admin-announcements-add-title = Add an announcement
admin-announcements-edit-title = Change an announcement
admin-announcements-code = Code
admin-announcements-code-help = Unique within the agency; letters, digits, '-' and '_', at most 64.
admin-announcements-important = Important
admin-announcements-published-on = Published on
admin-announcements-published-on-help = As YYYY-MM-DD.
admin-announcements-title = Title
admin-announcements-body = Text
admin-announcements-unit = Issued by
admin-announcements-unit-help = Optional; when given, give it in all three languages.
admin-announcements-actions = Actions
admin-announcements-edit = Change
admin-announcements-delete = Delete
admin-announcements-save = Save
admin-announcements-cancel = Cancel
admin-announcements-delete-title = Delete an announcement
admin-announcements-delete-confirm = Delete this announcement? This cannot be undone; applicants will no longer see it.
admin-announcements-keep = Keep it
admin-announcements-err-required = required
admin-announcements-err-too-long = too long
admin-announcements-err-format = not in the right format
admin-announcements-err-duplicate-code = An announcement with this code already exists
