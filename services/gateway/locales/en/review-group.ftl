### portal/staff/review/group.rs

review-group-group-title = Group
review-group-group-intro = This case was submitted together with the cases below. One decision can be taken for every case of the group still under review.
review-group-group-decision = Decision for the group
review-group-not-accepted = Not accepted — whole group
review-group-not-approved = Not approved — whole group
review-group-group-comment = Reason
review-group-group-comment-help = Every applicant of the group reads this reason.
review-group-next = Next: confirm
review-group-confirm-title = Confirm the group decision
review-group-confirm-warning = This decision applies to every case below still under review and cannot be undone.
review-group-confirm = Decide the whole group
review-group-err-decision = Choose the group's decision
review-group-err-comment-required = Enter the reason
review-group-err-comment-too-long = The reason may be at most 2000 characters
review-group-err-not-now = No case of this group can take this decision now
review-group-err-claimed-by-another = Another reviewer has claimed a case of this group; the group cannot be decided now
review-group-back-to-case = Back to the case
review-group-fee-forfeited = Duplicate, impersonated or falsified applications: the fees are not refunded
review-group-fee-forfeited-help = Fees are refunded by themselves when a group is not approved; tick this to keep them.
review-group-fee-kept = Kept, not refunded
review-group-err-fee-forfeited = Only a "not approved" decision keeps the fees
