### portal/applicant/messages.rs

messages-messages = Messages
messages-intro = Notices sent to you, newest first. Opening a message marks it read.
messages-none = You have no messages.
messages-none-unread = You have no unread messages.
messages-subject = Subject
messages-received = Received
messages-status = Status
messages-unread = Unread
messages-read = Read
messages-all-messages = All messages
messages-unread-only = Unread only
messages-mark-all-read = Mark all as read
messages-newest = Back to the newest
messages-older = Older messages
messages-about-case = About the case
messages-back-to-messages = Back to the messages
messages-message-title = Message
messages-err-page-link = This page link is not valid; start again from the newest messages
