### portal/staff/review/group.rs

review-group-group-title = 團體案件
review-group-group-intro = 此案件與下列案件一同送件。可對團體中仍在審查的每一件案件作出同一個決定。
review-group-group-decision = 團體決定
review-group-not-accepted = 不予受理（整個團體）
review-group-not-approved = 不予許可（整個團體）
review-group-group-comment = 理由
review-group-group-comment-help = 團體中每位申請人都會看到這段理由。
review-group-next = 下一步：確認
review-group-confirm-title = 確認團體決定
review-group-confirm-warning = 這個決定將套用於下列每一件仍在審查的案件，送出後無法撤回。
review-group-confirm = 確定，決定整個團體
review-group-err-decision = 請選擇團體決定
review-group-err-comment-required = 請填寫理由
review-group-err-comment-too-long = 理由不可超過 2000 字
review-group-err-not-now = 此團體目前沒有可作出這個決定的案件
review-group-err-claimed-by-another = 團體中有案件由其他審查人員領取中，無法一併決定
review-group-back-to-case = 回案件
review-group-fee-forfeited = 重領、冒領或偽造資料：所交費用不予退還
review-group-fee-forfeited-help = 整個團體不予許可時會自動退還費用；勾選此項則不退還。
review-group-fee-kept = 不予退還
review-group-err-fee-forfeited = 只有「不予許可」的決定才可不退還費用
