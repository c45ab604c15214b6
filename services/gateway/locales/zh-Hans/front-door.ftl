### portal/front_door.rs

front-door-title = 旅行及出入境证件在线申办
front-door-lead = 请选择受理您申请的机关及其在线申办系统。
front-door-sign-in = 登录
front-door-register = 注册账号
front-door-staff-sign-in = 机关人员登录
front-door-none = 目前没有机关在本平台提供服务。
front-door-api = 开发者：JSON API 说明（OpenAPI）
