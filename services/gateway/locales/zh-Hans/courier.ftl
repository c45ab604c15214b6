### portal/applicant/courier.rs

courier-title = 速递订单
courier-intro = 选择邮寄证件的申请：证件制作完成后交予速递公司，寄出后可在此查看追踪编号。
courier-none = 没有选择邮寄证件的申请。
courier-receipt-number = 申请编号
courier-application-type = 申请类型
courier-applicant = 申请人
courier-state = 状态
courier-address = 邮寄地址
courier-tracking-number = 追踪编号
courier-dispatched-at = 寄出时间
courier-delivered-at = 送达时间
courier-not-yet = 暂无
courier-addresses = 管理常用地址
