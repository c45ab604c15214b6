### portal/staff/admin/reconciliation.rs

admin-reconciliation-title = 對帳
admin-reconciliation-intro = 每日自動比對前一日各金流業者的清算檔與帳務紀錄；有差異時請逐筆查明。
admin-reconciliation-run-title = 立即對帳
admin-reconciliation-provider = 金流業者
admin-reconciliation-day = 清算日
admin-reconciliation-day-help = YYYY-MM-DD（UTC），今日或之前。
admin-reconciliation-run = 對帳
admin-reconciliation-ran = 已完成對帳。
admin-reconciliation-none = 尚無對帳結果。
admin-reconciliation-settled-rows = 清算筆數
admin-reconciliation-recorded-rows = 帳務筆數
admin-reconciliation-matched = 相符
admin-reconciliation-missing = 帳務缺漏
admin-reconciliation-extra = 帳務多出
admin-reconciliation-mismatched = 金額不符
admin-reconciliation-run-at = 執行時間
admin-reconciliation-actor = 執行者
admin-reconciliation-transaction = 交易編號
admin-reconciliation-difference = 差異
admin-reconciliation-settled = 清算金額
admin-reconciliation-recorded = 帳務金額
admin-reconciliation-agrees = 全部相符。
admin-reconciliation-unavailable = 金流業者暫時無法提供清算檔，請稍後再試。
admin-reconciliation-err-provider = 請選擇金流業者
admin-reconciliation-err-day = 請輸入今日或之前的日期（YYYY-MM-DD）
