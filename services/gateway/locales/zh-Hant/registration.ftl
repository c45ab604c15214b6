### portal/applicant/registration.rs

registration-register = 註冊帳號
registration-register-link = 還沒有帳號？註冊
registration-password-confirmation = 再次輸入密碼
registration-send-code = 發送驗證碼
registration-code-sent = 若手機號碼可接收簡訊，驗證碼已發送。
registration-registered-title = 註冊完成
registration-registered-email = 註冊已受理。請依電子郵件中的連結啟用帳號後再登入。
registration-registered-ready = 註冊已受理，請登入。
registration-to-sign-in = 前往登入
registration-activate-title = 啟用帳號
registration-activate-button = 啟用帳號
registration-activated = 帳號已啟用，請登入。
registration-activation-invalid = 此啟用連結無效或已過期。
registration-registered-sms = 註冊已受理。驗證碼已以簡訊發送至您的手機，請輸入以啟用帳號。
registration-sms-code = 簡訊驗證碼
registration-choose = 請選擇
registration-err-required = 必須填寫
registration-err-invalid = 不正確
registration-err-taken = 已被使用
registration-err-password = 密碼不符合密碼規則
registration-err-confirmation = 兩次輸入的密碼不一致
registration-err-consent = 須同意
registration-err-code = 驗證碼不正確或已過期
