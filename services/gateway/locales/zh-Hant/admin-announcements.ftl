### portal/staff/admin/announcements.rs

admin-announcements-list-title = 公告管理
admin-announcements-none = 目前沒有公告。
admin-announcements-add = 新增公告
admin-announcements-add-title = 新增公告
admin-announcements-edit-title = 修改公告
admin-announcements-code = 代碼
admin-announcements-code-help = 本機關內不重複；英文字母、數字、「-」及「_」，最多 64 字。
admin-announcements-important = 重要公告
admin-announcements-published-on = 發布日期
admin-announcements-published-on-help = 格式 YYYY-MM-DD。
admin-announcements-title = 標題
admin-announcements-body = 內容
admin-announcements-unit = 發布單位
admin-announcements-unit-help = 可不填；填寫時三種語言都要填。
admin-announcements-actions = 操作
admin-announcements-edit = 修改
admin-announcements-delete = 刪除
admin-announcements-save = 儲存
admin-announcements-cancel = 取消
admin-announcements-delete-title = 刪除公告
admin-announcements-delete-confirm = 確定要刪除這則公告嗎？刪除後無法復原，申請人將不再看到它。
admin-announcements-keep = 保留公告
admin-announcements-err-required = 必須填寫
admin-announcements-err-too-long = 過長
admin-announcements-err-format = 格式不正確
admin-announcements-err-duplicate-code = 已有相同代碼的公告
