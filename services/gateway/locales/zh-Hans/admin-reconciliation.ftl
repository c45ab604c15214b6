### portal/staff/admin/reconciliation.rs

admin-reconciliation-title = 对账
admin-reconciliation-intro = 每日自动比对前一日各支付机构的清算文件与账务记录；有差异时请逐笔查明。
admin-reconciliation-run-title = 立即对账
admin-reconciliation-provider = 支付机构
admin-reconciliation-day = 清算日
admin-reconciliation-day-help = YYYY-MM-DD（UTC），今日或之前。
admin-reconciliation-run = 对账
admin-reconciliation-ran = 已完成对账。
admin-reconciliation-none = 尚无对账结果。
admin-reconciliation-settled-rows = 清算笔数
admin-reconciliation-recorded-rows = 账务笔数
admin-reconciliation-matched = 相符
admin-reconciliation-missing = 账务缺漏
admin-reconciliation-extra = 账务多出
admin-reconciliation-mismatched = 金额不符
admin-reconciliation-run-at = 执行时间
admin-reconciliation-actor = 执行者
admin-reconciliation-transaction = 交易编号
admin-reconciliation-difference = 差异
admin-reconciliation-settled = 清算金额
admin-reconciliation-recorded = 账务金额
admin-reconciliation-agrees = 全部相符。
admin-reconciliation-unavailable = 支付机构暂时无法提供清算文件，请稍后再试。
admin-reconciliation-err-provider = 请选择支付机构
admin-reconciliation-err-day = 请输入今日或之前的日期（YYYY-MM-DD）
