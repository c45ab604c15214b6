### portal/applicant/header.rs

nav-apply = 線上申請
nav-applicants = 辦理人管理
nav-account = 帳號資料
nav-payments = 繳費
nav-documents = 下載專區
nav-addresses = 地址管理
nav-courier = 速遞訂單
nav-messages = 訊息中心
nav-unread = 則未讀
