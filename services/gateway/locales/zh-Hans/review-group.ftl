### portal/staff/review/group.rs

review-group-group-title = 团体案件
review-group-group-intro = 此案件与下列案件一同提交。可对团体中仍在审查的每一件案件作出同一个决定。
review-group-group-decision = 团体决定
review-group-not-accepted = 不予受理（整个团体）
review-group-not-approved = 不予批准（整个团体）
review-group-group-comment = 理由
review-group-group-comment-help = 团体中每位申请人都会看到这段理由。
review-group-next = 下一步：确认
review-group-confirm-title = 确认团体决定
review-group-confirm-warning = 这个决定将适用于下列每一件仍在审查的案件，提交后无法撤回。
review-group-confirm = 确定，决定整个团体
review-group-err-decision = 请选择团体决定
review-group-err-comment-required = 请填写理由
review-group-err-comment-too-long = 理由不可超过 2000 字
review-group-err-not-now = 此团体目前没有可作出这个决定的案件
review-group-err-claimed-by-another = 团体中有案件由其他审查人员领取中，无法一并决定
review-group-back-to-case = 返回案件
review-group-fee-forfeited = 重领、冒领或伪造资料：所交费用不予退还
review-group-fee-forfeited-help = 整个团体不予批准时会自动退还费用；勾选此项则不退还。
review-group-fee-kept = 不予退还
review-group-err-fee-forfeited = 只有“不予批准”的决定才可不退还费用
