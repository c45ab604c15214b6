### portal/applicant/courier.rs

courier-title = 速遞訂單
courier-intro = 選擇郵寄證件的申請：證件製作完成後交予速遞公司，寄出後可在此查看追蹤編號。
courier-none = 沒有選擇郵寄證件的申請。
courier-receipt-number = 申請編號
courier-application-type = 申請類型
courier-applicant = 申請人
courier-state = 狀態
courier-address = 郵寄地址
courier-tracking-number = 追蹤編號
courier-dispatched-at = 寄出時間
courier-delivered-at = 送達時間
courier-not-yet = 未有
courier-addresses = 管理常用地址
