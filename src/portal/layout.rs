//! The page around every page: the head and the header with the signed-in
//! unit's links. It knows who is signed in only as
//! [`SignedIn`], so it imports nothing of the portal and every module may use it.

use maud::{DOCTYPE, Markup, html};

use crate::tokens::Role;

/// Who the page is for, as the header shows it.
pub struct SignedIn<'a> {
    pub region: &'a str,
    pub role: Role,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: &'a str,
}

pub fn layout(caller: Option<&SignedIn>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 台账报送 taizhang" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                header {
                    a.brand href="/" { "改革落实台账报送" }
                    @if let Some(c) = caller {
                        nav {
                            a href="/upload" { "上传" }
                            a href="/submissions" { "报送记录" }
                            a href="/coverage" { "报送情况" }
                            a href="/alerts" { "预警" }
                            a href="/changes" { "台账变动" }
                            a href="/annual" { "年度考核" }
                            @if c.role == Role::Province {
                                a href="/scorecard" { "考评得分" }
                                a href="/report" { "期报告" }
                            }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(c.csrf);
                                span.who { (c.region) " · " (if c.role == Role::Province { "省级" } else { "填报员" }) }
                                button type="submit" { "退出" }
                            }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}
