### portal/staff/desk.rs

staff-nav-staff-pages = 工作页面
staff-nav-review = 审查队列
staff-nav-counter = 柜台
staff-nav-appointments = 预约名单
staff-nav-catalog = 申请目录
staff-nav-announcements = 公告管理
