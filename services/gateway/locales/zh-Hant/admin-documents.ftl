### portal/staff/admin/documents.rs

admin-documents-title = 核發文件
admin-documents-intro = 依收件號查詢已核發的文件。撤銷後，文件的防偽碼驗證結果為「已撤銷」；重新產製以目前的範本產生新版本，舊版本保留。兩者都須填寫原因。
admin-documents-receipt = 收件號
admin-documents-find = 查詢
admin-documents-none = 此收件號沒有核發文件。
admin-documents-kind = 文件
admin-documents-number = 號碼
admin-documents-rendered = 產製時間
admin-documents-version = 版本
admin-documents-state = 狀態
admin-documents-valid = 有效
admin-documents-revoked = 已撤銷
admin-documents-reason = 原因
admin-documents-revoke = 撤銷
admin-documents-rerender = 重新產製
admin-documents-done-revoked = 文件已撤銷。
admin-documents-done-rerendered = 已以目前的範本重新產製，舊版本已保留。
admin-documents-err-reason = 請填寫原因（500 字以內）
admin-documents-err-template = 此文件目前無法重新產製：目前的申請目錄不再核發此文件，或範本無法產製。
