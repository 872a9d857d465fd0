//! BCC Smart Online Broker through the `banks` facade against the sandbox in-process on
//! 127.0.0.1: products, orders and the post-link.

mod common;

use bank_sandbox::Config;
use bank_sandbox::spec::Bank;
use banks::{ClientCredentials, Environment};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use bank_testkit::sandbox::start as sandbox;

use common::deliveries;

#[tokio::test]
async fn broker_products_orders_and_the_post_link() {
    use banks::bcc::broker::types as t;
    let s = sandbox(Config::default()).await;
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/post-link"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&merchant)
        .await;
    let broker = banks::bcc::Broker::builder()
        .credentials(ClientCredentials::new("sandbox-client", "sandbox-secret"))
        .environment(Environment::Custom(s.base_url(Bank::Broker)))
        .token_url(s.token_url(Bank::Broker).expect("a token route"))
        .build()
        .expect("builds");
    let products = broker
        .get_products()
        .partner("SHOP")
        .amount("300000")
        .bank()
        .await
        .expect("products");
    let six = products
        .products
        .iter()
        .find(|p| p.period == 6)
        .expect("6 months");
    assert_eq!(six.monthly_payment.to_string(), "50000");
    let order = t::OrdersRequestBody::builder()
        .amount("300000".parse::<banks::Decimal>().expect("decimal"))
        .language("ru".to_owned())
        .name("Смартфон".to_owned())
        .partner_code("SHOP".to_owned())
        .partner_order_id("SHOP-ORDER-1".to_owned())
        .point_code("P1".to_owned())
        .pos_name("Магазин".to_owned())
        .product_code(six.product_code.clone())
        .post_link(Some(format!("{}/post-link", merchant.uri())));
    let created = broker.orders().body(order).bank().await.expect("order");
    assert!(created.redirect_link.contains(&created.preapp_id));
    deliveries(&s, 1).await;
    let received = merchant.received_requests().await.unwrap_or_default();
    let post_link = banks::bcc::parse_callback(&received.first().expect("postLink sent").body)
        .expect("a valid postLink");
    assert_eq!(
        (
            post_link.reference_id.as_str(),
            post_link.state.as_str(),
            post_link.loan_length.as_str()
        ),
        ("SHOP-ORDER-1", "APPROVED", "6")
    );
    s.stop().await;
}
