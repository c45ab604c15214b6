### portal/applicant/registration.rs

registration-register = 注册账号
registration-register-link = 还没有账号？注册
registration-password-confirmation = 再次输入密码
registration-send-code = 发送验证码
registration-code-sent = 若手机号码可接收短信，验证码已发送。
registration-registered-title = 注册完成
registration-registered-email = 注册已受理。请按电子邮件中的链接激活账号后再登录。
registration-registered-ready = 注册已受理，请登录。
registration-to-sign-in = 前往登录
registration-activate-title = 激活账号
registration-activate-button = 激活账号
registration-activated = 账号已激活，请登录。
registration-activation-invalid = 此激活链接无效或已过期。
registration-registered-sms = 注册已受理。验证码已通过短信发送至您的手机，请输入以激活账号。
registration-sms-code = 短信验证码
registration-choose = 请选择
registration-err-required = 必须填写
registration-err-invalid = 不正确
registration-err-taken = 已被使用
registration-err-password = 密码不符合密码规则
registration-err-confirmation = 两次输入的密码不一致
registration-err-consent = 须同意
registration-err-code = 验证码不正确或已过期
