### portal/front_door.rs

front-door-title = 旅行及出入境證件線上申辦
front-door-lead = 請選擇受理您申請的機關及其線上申辦系統。
front-door-sign-in = 登入
front-door-register = 註冊帳號
front-door-staff-sign-in = 機關人員登入
front-door-none = 目前沒有機關在本平台提供服務。
front-door-api = 開發者：JSON API 說明（OpenAPI）
