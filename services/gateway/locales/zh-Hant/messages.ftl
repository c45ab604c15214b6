### portal/applicant/messages.rs

messages-messages = 訊息中心
messages-intro = 系統寄給您的通知，最新的在前。開啟訊息即標示為已讀。
messages-none = 目前沒有訊息。
messages-none-unread = 沒有未讀訊息。
messages-subject = 主旨
messages-received = 時間
messages-status = 狀態
messages-unread = 未讀
messages-read = 已讀
messages-all-messages = 全部訊息
messages-unread-only = 只看未讀
messages-mark-all-read = 全部標示為已讀
messages-newest = 回到最新訊息
messages-older = 較舊的訊息
messages-about-case = 相關案件
messages-back-to-messages = 回訊息中心
messages-message-title = 訊息
messages-err-page-link = 此頁連結無效，請從最新訊息開始
