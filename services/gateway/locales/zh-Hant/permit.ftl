### portal/applicant/permit.rs

permit-title = 證件資料
permit-number = 證號
permit-valid-until = 有效期至
permit-validity = 有效期
permit-entries = 入出境次數
permit-stay = 每次停留
permit-preview-title = 核准後所發證件
permit-preview-hint = 以上依目前填寫內容估算，發證時確定。
permit-single = 單次
permit-double = 二次
permit-multiple = 多次
# `$n` days.
permit-days = 最長 { $n } 日
# `$n` years, and one year.
permit-years = { $n } 年
permit-year = 1 年
# `$n` months, and one month.
permit-months = { $n } 個月
permit-month = 1 個月
permit-delivery-title = 郵寄證件
permit-delivery-address = 郵寄地址
permit-tracking-number = 速遞追蹤編號
