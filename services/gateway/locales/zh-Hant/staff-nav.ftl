### portal/staff/desk.rs

staff-nav-staff-pages = 工作頁面
staff-nav-review = 審查佇列
staff-nav-counter = 櫃檯
staff-nav-appointments = 預約名單
staff-nav-catalog = 申請目錄
staff-nav-announcements = 公告管理
