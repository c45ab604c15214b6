### portal/staff/admin/documents.rs

admin-documents-title = 核发文件
admin-documents-intro = 依收件号查询已核发的文件。撤销后，文件的防伪码验证结果为“已撤销”；重新生成以当前的模板生成新版本，旧版本保留。两者都须填写原因。
admin-documents-receipt = 收件号
admin-documents-find = 查询
admin-documents-none = 此收件号没有核发文件。
admin-documents-kind = 文件
admin-documents-number = 号码
admin-documents-rendered = 生成时间
admin-documents-version = 版本
admin-documents-state = 状态
admin-documents-valid = 有效
admin-documents-revoked = 已撤销
admin-documents-reason = 原因
admin-documents-revoke = 撤销
admin-documents-rerender = 重新生成
admin-documents-done-revoked = 文件已撤销。
admin-documents-done-rerendered = 已以当前的模板重新生成，旧版本已保留。
admin-documents-err-reason = 请填写原因（500 字以内）
admin-documents-err-template = 此文件当前无法重新生成：当前的申请目录不再核发此文件，或模板无法生成。
