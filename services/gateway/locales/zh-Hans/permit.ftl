### portal/applicant/permit.rs

permit-title = 证件资料
permit-number = 证号
permit-valid-until = 有效期至
permit-validity = 有效期
permit-entries = 出入境次数
permit-stay = 每次停留
permit-preview-title = 获批后所发证件
permit-preview-hint = 以上按目前填写内容估算，发证时确定。
permit-single = 一次
permit-double = 两次
permit-multiple = 多次
# `$n` days.
permit-days = 最长 { $n } 天
# `$n` years, and one year.
permit-years = { $n } 年
permit-year = 1 年
# `$n` months, and one month.
permit-months = { $n } 个月
permit-month = 1 个月
permit-delivery-title = 邮寄证件
permit-delivery-address = 邮寄地址
permit-tracking-number = 速递追踪编号
