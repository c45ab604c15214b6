### portal/applicant/messages.rs

messages-messages = 消息中心
messages-intro = 系统发给您的通知，最新的在前。打开消息即标记为已读。
messages-none = 目前没有消息。
messages-none-unread = 没有未读消息。
messages-subject = 主题
messages-received = 时间
messages-status = 状态
messages-unread = 未读
messages-read = 已读
messages-all-messages = 全部消息
messages-unread-only = 只看未读
messages-mark-all-read = 全部标记为已读
messages-newest = 回到最新消息
messages-older = 较早的消息
messages-about-case = 相关案件
messages-back-to-messages = 返回消息中心
messages-message-title = 消息
messages-err-page-link = 此页链接无效，请从最新消息开始
