### portal/applicant/documents.rs

cases-documents-title = 下載專區
cases-documents-intro = 機關核發給您的文件：送件確認、預約確認函、取證單、超商繳費單、電子許可證及電子收據。可依團號、收件號或繳費日期查詢。
cases-documents-none = 沒有符合的文件。
cases-documents-kind = 文件
cases-documents-number = 號碼
cases-documents-receipt = 收件號
cases-documents-group = 團號
cases-documents-issued = 產製時間
cases-documents-from = 繳費日期（起）
cases-documents-to = 繳費日期（迄）
cases-documents-search = 查詢
cases-documents-download = 下載
cases-documents-revoked = 已撤銷
cases-documents-acknowledgement = 送件確認
cases-documents-e-permit = 電子許可證
cases-documents-receipt-kind = 電子收據
cases-documents-appointment-letter = 預約確認函
cases-documents-pickup-slip = 取證單
cases-documents-payment-slip = 超商繳費單
cases-documents-err-date = 日期格式應為 年-月-日
