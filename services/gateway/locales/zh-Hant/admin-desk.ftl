### portal/staff/admin/mod.rs

admin-desk-admin-title = 機關管理
admin-desk-admin-intro = 管理本機關的申請目錄與公告。
admin-desk-catalog-title = 申請目錄
admin-desk-catalog-summary = 已發布的版本、檢查並發布新版本。
admin-desk-announcements-title = 公告管理
admin-desk-announcements-summary = 首頁公告的新增、修改與刪除。
admin-desk-reconciliation-title = 對帳
admin-desk-reconciliation-summary = 金流業者每日清算檔與帳務紀錄的比對結果。
admin-desk-documents-title = 核發文件
admin-desk-documents-summary = 依收件號查詢文件、撤銷或以目前的範本重新產製。
