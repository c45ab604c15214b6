### portal/staff/admin/announcements.rs

admin-announcements-list-title = 公告管理
admin-announcements-none = 目前没有公告。
admin-announcements-add = 新增公告
admin-announcements-add-title = 新增公告
admin-announcements-edit-title = 修改公告
admin-announcements-code = 代码
admin-announcements-code-help = 本机关内不重复；英文字母、数字、“-”及“_”，最多 64 字。
admin-announcements-important = 重要公告
admin-announcements-published-on = 发布日期
admin-announcements-published-on-help = 格式 YYYY-MM-DD。
admin-announcements-title = 标题
admin-announcements-body = 内容
admin-announcements-unit = 发布单位
admin-announcements-unit-help = 可不填；填写时三种语言都要填。
admin-announcements-actions = 操作
admin-announcements-edit = 修改
admin-announcements-delete = 删除
admin-announcements-save = 保存
admin-announcements-cancel = 取消
admin-announcements-delete-title = 删除公告
admin-announcements-delete-confirm = 确定要删除这则公告吗？删除后无法恢复，申请人将不再看到它。
admin-announcements-keep = 保留公告
admin-announcements-err-required = 必须填写
admin-announcements-err-too-long = 过长
admin-announcements-err-format = 格式不正确
admin-announcements-err-duplicate-code = 已有相同代码的公告
