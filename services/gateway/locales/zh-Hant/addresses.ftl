### portal/applicant/addresses.rs

addresses-title = 地址管理
addresses-none = 尚未儲存地址。選擇郵寄證件時可使用這裏的地址。
addresses-add = 新增地址
addresses-edit = 修改
addresses-remove = 刪除
addresses-remove-title = 刪除地址
addresses-remove-confirm = 確定要刪除這個地址嗎？已提交的申請不受影響。
addresses-keep = 不刪除，返回
addresses-save = 儲存
addresses-make-default = 設為預設
addresses-default = 預設地址
addresses-recipient = 收件人
addresses-phone = 聯絡電話
addresses-address = 郵寄地址
addresses-is-default = 設為預設地址
addresses-actions = 操作
addresses-err-required = 必須填寫
addresses-err-too-long = 太長
addresses-err-characters = 含有不接受的字元
addresses-err-invalid = 不正確
addresses-err-full = 最多可儲存 20 個地址，請先刪除不用的地址。
