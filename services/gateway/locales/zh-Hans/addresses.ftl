### portal/applicant/addresses.rs

addresses-title = 地址管理
addresses-none = 尚未保存地址。选择邮寄证件时可使用这里的地址。
addresses-add = 新增地址
addresses-edit = 修改
addresses-remove = 删除
addresses-remove-title = 删除地址
addresses-remove-confirm = 确定要删除这个地址吗？已提交的申请不受影响。
addresses-keep = 不删除，返回
addresses-save = 保存
addresses-make-default = 设为默认
addresses-default = 默认地址
addresses-recipient = 收件人
addresses-phone = 联系电话
addresses-address = 邮寄地址
addresses-is-default = 设为默认地址
addresses-actions = 操作
addresses-err-required = 必须填写
addresses-err-too-long = 太长
addresses-err-characters = 含有不接受的字符
addresses-err-invalid = 不正确
addresses-err-full = 最多可保存 20 个地址，请先删除不用的地址。
