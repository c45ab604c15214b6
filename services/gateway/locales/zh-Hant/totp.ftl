### portal/staff/totp.rs

totp-title = 設定身分驗證器
totp-intro = 審查人員登入須使用身分驗證器 App 產生的驗證碼。請先完成設定。
totp-start = 開始設定
totp-secret = 金鑰
totp-secret-help = 在身分驗證器 App 選擇「手動輸入金鑰」，輸入以下金鑰（或貼上下方的 otpauth 連結）。此金鑰只顯示這一次。
totp-uri = otpauth 連結
totp-code = 驗證碼
totp-code-help = 輸入 App 目前顯示的 6 位數字以完成設定。
totp-confirm = 完成設定
totp-restart = 重新產生金鑰
totp-err-code-required = 請輸入驗證碼
totp-err-code-wrong = 驗證碼不正確，請確認裝置時間後再試
totp-done-title = 身分驗證器已設定
totp-done-body = 此帳號已設定身分驗證器，之後登入請輸入其驗證碼。
totp-continue-link = 繼續
