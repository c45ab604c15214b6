### portal/applicant/documents.rs

cases-documents-title = 下载专区
cases-documents-intro = 机关核发给您的文件：送件确认、预约确认函、取证单、超商缴费单、电子许可证及电子收据。可依团号、收件号或缴费日期查询。
cases-documents-none = 没有符合的文件。
cases-documents-kind = 文件
cases-documents-number = 号码
cases-documents-receipt = 收件号
cases-documents-group = 团号
cases-documents-issued = 生成时间
cases-documents-from = 缴费日期（起）
cases-documents-to = 缴费日期（止）
cases-documents-search = 查询
cases-documents-download = 下载
cases-documents-revoked = 已撤销
cases-documents-acknowledgement = 送件确认
cases-documents-e-permit = 电子许可证
cases-documents-receipt-kind = 电子收据
cases-documents-appointment-letter = 预约确认函
cases-documents-pickup-slip = 取证单
cases-documents-payment-slip = 超商缴费单
cases-documents-err-date = 日期格式应为 年-月-日
