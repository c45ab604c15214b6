### portal/verify.rs

verify-title = 文件验证
verify-intro = 任何人都可以验证本平台签发的文件：粘贴（或扫描）文件上二维码的内容，或上传文件的 PDF 文件。
verify-seal-label = 二维码内容
verify-seal-help = 用手机扫描文件右上角的二维码，把得到的文字粘贴在这里。
verify-check = 验证
verify-or-pdf = 或上传 PDF
verify-pdf-label = 文件 PDF
verify-check-pdf = 验证 PDF
verify-valid = 有效
verify-valid-body = 此文件由下列机关签发，签名正确，内容如下。
verify-invalid = 无效
verify-invalid-body = 这不是本平台签发的文件，或其内容已被更改。
verify-revoked = 已撤销
verify-revoked-body = 此文件确由本平台签发，但已被签发机关撤销，不得使用。
verify-agency = 签发机关
verify-kind = 文件类别
verify-number = 号码
verify-holder = 持有人
verify-born = 出生日期
verify-issued = 签发日期
verify-expires = 有效期限
verify-keys = 离线验证用的公钥（JSON）
verify-err-empty = 请粘贴二维码内容或选择 PDF 文件
verify-err-long = 二维码内容过长
verify-err-pdf = PDF 文件无法读取或超过 5 MB
