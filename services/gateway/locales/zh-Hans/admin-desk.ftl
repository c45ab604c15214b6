### portal/staff/admin/mod.rs

admin-desk-admin-title = 机关管理
admin-desk-admin-intro = 管理本机关的申请目录与公告。
admin-desk-catalog-title = 申请目录
admin-desk-catalog-summary = 已发布的版本、检查并发布新版本。
admin-desk-announcements-title = 公告管理
admin-desk-announcements-summary = 首页公告的新增、修改与删除。
admin-desk-reconciliation-title = 对账
admin-desk-reconciliation-summary = 支付机构每日清算文件与账务记录的比对结果。
admin-desk-documents-title = 核发文件
admin-desk-documents-summary = 依收件号查询文件、撤销或以当前的模板重新生成。
