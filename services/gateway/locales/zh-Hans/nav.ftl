### portal/applicant/header.rs

nav-apply = 在线申请
nav-applicants = 办理人管理
nav-account = 账号资料
nav-payments = 缴费
nav-documents = 下载专区
nav-addresses = 地址管理
nav-courier = 速递订单
nav-messages = 消息中心
nav-unread = 条未读
