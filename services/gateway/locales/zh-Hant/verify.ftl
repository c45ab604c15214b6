### portal/verify.rs

verify-title = 文件驗證
verify-intro = 任何人皆可驗證本平台核發的文件：貼上（或掃描）文件上 QR 碼的內容，或上傳文件的 PDF 檔。
verify-seal-label = QR 碼內容
verify-seal-help = 以手機掃描文件右上角的 QR 碼，將得到的文字貼在這裡。
verify-check = 驗證
verify-or-pdf = 或上傳 PDF
verify-pdf-label = 文件 PDF 檔
verify-check-pdf = 驗證 PDF
verify-valid = 有效
verify-valid-body = 此文件由下列機關核發，簽章正確，內容如下。
verify-invalid = 無效
verify-invalid-body = 這不是本平台核發的文件，或其內容已被更改。
verify-revoked = 已撤銷
verify-revoked-body = 此文件確由本平台核發，但已被核發機關撤銷，不得使用。
verify-agency = 核發機關
verify-kind = 文件類別
verify-number = 號碼
verify-holder = 持有人
verify-born = 出生日期
verify-issued = 核發日期
verify-expires = 有效期限
verify-keys = 離線驗證用的公開金鑰（JSON）
verify-err-empty = 請貼上 QR 碼內容或選擇 PDF 檔
verify-err-long = QR 碼內容過長
verify-err-pdf = PDF 檔無法讀取或超過 5 MB
