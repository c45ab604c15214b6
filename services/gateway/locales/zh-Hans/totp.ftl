### portal/staff/totp.rs

totp-title = 设置身份验证器
totp-intro = 审查人员登录须使用身份验证器 App 生成的验证码。请先完成设置。
totp-start = 开始设置
totp-secret = 密钥
totp-secret-help = 在身份验证器 App 选择“手动输入密钥”，输入以下密钥（或粘贴下方的 otpauth 链接）。此密钥只显示这一次。
totp-uri = otpauth 链接
totp-code = 验证码
totp-code-help = 输入 App 当前显示的 6 位数字以完成设置。
totp-confirm = 完成设置
totp-restart = 重新生成密钥
totp-err-code-required = 请输入验证码
totp-err-code-wrong = 验证码不正确，请确认设备时间后再试
totp-done-title = 身份验证器已设置
totp-done-body = 此账号已设置身份验证器，之后登录请输入其验证码。
totp-continue-link = 继续
