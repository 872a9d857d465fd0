//! The chaos check's flows, one per API, each recovering as the facade documents it; and the
//! service's callback route.

use super::*;

/// Accounts, then a signed payment with its own documentNumber; an unknown outcome is looked up
/// by that number and the same payment sent again only when the bank lists none.
pub(super) async fn financial_flow(mut flow: Flow) -> Report {
    let api = Bank::Financial;
    let fresh: fn(&Env) -> banks::bcc::financial::Client =
        |e| financial_client(&e.sandbox, &e.stats);
    let mut client = flow.env.financial.clone();
    let document = format!("CH{:x}-{}", flow.env.seed & 0xFFFF_FFFF, flow.n);
    let accounts = flow
        .step(
            &mut client,
            fresh,
            Step::call(api, "get_accounts"),
            |c| async move { c.get_accounts().bank().await },
        )
        .await;
    if let Err(e) = accounts {
        return flow.report(api, document, Some(0), ended("get_accounts", &e));
    }
    let (from, to) = if flow.rng.chance(0.5) {
        (IBAN_1, IBAN_2)
    } else {
        (IBAN_2, IBAN_1)
    };
    let amount = banks::Decimal::from(1 + flow.rng.below(500) as i64);
    let body: fin_t::PaymentBody = bank_testkit::bodies::payment(amount, from, to)
        .document_number(Some(document.clone()))
        .try_into()
        .expect("a payment");
    let today = chrono::Utc::now().date_naive();
    for round in 1..=PAYMENT_ROUNDS {
        let paid = flow
            .step(
                &mut client,
                fresh,
                Step::call(api, "create_payment").signed(),
                |c| {
                    let body = body.clone();
                    async move { c.create_payment().body(body).bank().await }
                },
            )
            .await;
        let e = match paid {
            Ok(_) => return flow.report(api, document, Some(1), End::Done),
            Err(e) if e.outcome() == Outcome::Unknown => e,
            Err(e) => return flow.report(api, document, Some(0), ended("create_payment", &e)),
        };
        flow.reconciliations += 1;
        let lookup = flow
            .step(
                &mut client,
                fresh,
                Step::lookup(api, "get_payments", DEADLINE),
                |c| {
                    let document = document.clone();
                    async move { banks::bcc::reconcile_payment(&c, &document, today).await }
                },
            )
            .await;
        match lookup {
            Ok(banks::bcc::PaymentLookup::Found(_)) => {
                flow.found += 1;
                return flow.report(api, document, Some(1), End::Done);
            }
            Ok(banks::bcc::PaymentLookup::NotFound) if round < PAYMENT_ROUNDS => {
                flow.resends += 1;
            }
            Ok(_) => {
                let reason = format!("still not found after {round} rounds; {}", gap(&e));
                return flow.unknown(api, document, "create_payment", reason);
            }
            Err(le) => {
                let reason = format!("the lookup failed ({le}); {}", gap(&e));
                return flow.unknown(api, document, "create_payment", reason);
            }
        }
    }
    unreachable!("every round returns or continues, the last returns")
}

/// Validate the client, create the order with a callback URL, read its state; an unknown
/// creation waits for the order's callback (`OrderCallbacks::reconcile`).
pub(super) async fn globus_flow(mut flow: Flow) -> Report {
    let api = Bank::Globus;
    let fresh: fn(&Env) -> banks::globus::cfront::Client = |e| globus_client(&e.sandbox);
    let mut client = flow.env.globus.clone();
    let merchant_order_id = format!("CHAOS-{:x}-{}", flow.env.seed & 0xFFFF_FFFF, flow.n);
    let phone = format!("38050{:07}", 2_000_000 + flow.n);
    let validated = flow
        .step(
            &mut client,
            fresh,
            Step::call(api, "validate_client"),
            |c| {
                let phone = phone.clone();
                async move {
                    c.validate_client()
                        .body(cfront_t::ClientValidateRequest::builder().phone_number(phone))
                        .bank()
                        .await
                }
            },
        )
        .await;
    if let Err(e) = validated {
        return flow.report(
            api,
            merchant_order_id,
            Some(0),
            ended("validate_client", &e),
        );
    }
    let amount = format!("{}.00", 1000 + flow.rng.below(9000));
    let order: cfront_t::OrderCreateRequest = bank_testkit::bodies::globus_order(
        &merchant_order_id,
        &phone,
        &amount,
        Some(flow.env.callback_url.clone()),
    )
    .try_into()
    .expect("an order");
    let created = flow
        .step(&mut client, fresh, Step::call(api, "create_order"), |c| {
            let order = order.clone();
            async move { c.create_order().body(order).bank().await }
        })
        .await;
    let order_id = match created {
        Ok(state) => state.order_id,
        Err(e) if e.outcome() == Outcome::Unknown => {
            flow.reconciliations += 1;
            let callbacks = flow.env.callbacks.clone();
            let lookup = flow
                .step(
                    &mut client,
                    fresh,
                    Step::lookup(api, "get_order_state", CALLBACK_WAIT + DEADLINE),
                    |c| {
                        let callbacks = callbacks.clone();
                        let id = merchant_order_id.clone();
                        async move { callbacks.reconcile(&c, &id, CALLBACK_WAIT).await }
                    },
                )
                .await;
            match lookup {
                Ok(OrderLookup::Found(state)) => {
                    flow.found += 1;
                    state.order_id
                }
                Ok(_) => {
                    let reason = format!("no callback within {CALLBACK_WAIT:?}; {}", gap(&e));
                    return flow.unknown(api, merchant_order_id, "create_order", reason);
                }
                Err(le) => {
                    let reason = format!("the lookup failed ({le}); {}", gap(&e));
                    return flow.unknown(api, merchant_order_id, "create_order", reason);
                }
            }
        }
        Err(e) => return flow.report(api, merchant_order_id, Some(0), ended("create_order", &e)),
    };
    let state = flow
        .step(
            &mut client,
            fresh,
            Step::call(api, "get_order_state"),
            |c| {
                let id = order_id.clone();
                async move {
                    c.get_order_state()
                        .body(cfront_t::OrderIdRequest::builder().order_id(id))
                        .bank()
                        .await
                }
            },
        )
        .await;
    let end = match state {
        Ok(_) => End::Done,
        Err(e) => ended("get_order_state", &e),
    };
    flow.report(api, merchant_order_id, Some(1), end)
}

/// Find a client's cards, or apply for a card: an unknown application is a documented gap,
/// listed and never sent again.
pub(super) async fn baas_flow(mut flow: Flow) -> Report {
    let api = Bank::Baas;
    let fresh: fn(&Env) -> banks::baas::BaasClient = |e| baas_client(&e.sandbox);
    let mut client = flow.env.baas.clone();
    let pinfl = format!(
        "4{:013}",
        flow.env.seed % 1_000_000 * 10_000 + flow.n as u64
    );
    if flow.rng.chance(0.5) {
        let params: baas_t::CardFindParams = baas_t::CardFindParams::builder()
            .pinfl(pinfl.as_str())
            .try_into()
            .expect("params");
        let found = flow
            .step(&mut client, fresh, Step::call(api, "find_cards"), |c| {
                let params = params.clone();
                async move { c.find_cards(params).await }
            })
            .await;
        let end = match found {
            Ok(_) => End::Done,
            Err(e) => ended("find_cards", &e),
        };
        return flow.report(api, pinfl, None, end);
    }
    let params: baas_t::CardApplicationCreateParams =
        baas_t::CardApplicationCreateParams::builder()
            .card_type("UZCARD")
            .client(
                baas_t::ClientData::builder()
                    .phone(format!("99890{:07}", flow.n))
                    .pinfl(pinfl.as_str())
                    .passport_series("AA")
                    .passport_number("1234567")
                    .birth_date(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).expect("a date")),
            )
            .try_into()
            .expect("params");
    let applied = flow
        .step(
            &mut client,
            fresh,
            Step::call(api, "create_card_application"),
            |c| {
                let params = params.clone();
                async move { c.create_card_application(params).await }
            },
        )
        .await;
    let end = match applied {
        Ok(_) => End::Done,
        Err(e) if e.outcome() == Outcome::Unknown => End::Unknown {
            operation: "create_card_application",
            reason: gap(&e),
        },
        Err(e) => ended("create_card_application", &e),
    };
    let expected = expected_of(&end);
    flow.report(api, pinfl, expected, end)
}

/// Products, then an order: an unknown order is a documented gap, listed and never sent again.
pub(super) async fn broker_flow(mut flow: Flow) -> Report {
    let api = Bank::Broker;
    let fresh: fn(&Env) -> banks::bcc::broker::Client = |e| broker_client(&e.sandbox);
    let mut client = flow.env.broker.clone();
    let partner_order_id = format!("CHAOS-{:x}-{}", flow.env.seed & 0xFFFF_FFFF, flow.n);
    let amount = format!("{}", 100_000 + 1_000 * flow.rng.below(1000));
    let products = flow
        .step(&mut client, fresh, Step::call(api, "get_products"), |c| {
            let amount = amount.clone();
            async move {
                c.get_products()
                    .partner("SHOP")
                    .amount(&amount)
                    .bank()
                    .await
            }
        })
        .await;
    let products = match products {
        Ok(p) => p,
        Err(e) => return flow.report(api, partner_order_id, Some(0), ended("get_products", &e)),
    };
    let Some(product) = products.products.first() else {
        return flow.report(
            api,
            partner_order_id,
            Some(0),
            End::GaveUp {
                operation: "get_products".into(),
                error: "no product offered".into(),
            },
        );
    };
    let order: banks::bcc::broker::types::OrdersRequestBody =
        banks::bcc::broker::types::OrdersRequestBody::builder()
            .amount(amount.parse::<banks::Decimal>().expect("an amount"))
            .language("ru".to_owned())
            .name("Смартфон".to_owned())
            .partner_code("SHOP".to_owned())
            .partner_order_id(partner_order_id.clone())
            .point_code("POS-1".to_owned())
            .pos_name("Магазин".to_owned())
            .product_code(product.product_code.clone())
            .try_into()
            .expect("an order");
    let ordered = flow
        .step(&mut client, fresh, Step::call(api, "orders"), |c| {
            let order = order.clone();
            async move { c.orders().body(order).bank().await }
        })
        .await;
    let end = match ordered {
        Ok(_) => End::Done,
        Err(e) if e.outcome() == Outcome::Unknown => End::Unknown {
            operation: "orders",
            reason: gap(&e),
        },
        Err(e) => ended("orders", &e),
    };
    let expected = expected_of(&end);
    flow.report(api, partner_order_id, expected, end)
}

/// The service's callback route: every Globus order-state callback recorded by merchant order id.
pub(super) async fn receive_callback(
    axum::extract::State((callbacks, stats)): axum::extract::State<(
        Arc<OrderCallbacks>,
        Arc<Stats>,
    )>,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    match banks::globus::parse_callback(&body) {
        Ok(state) => {
            stats.callbacks.fetch_add(1, Ordering::Relaxed);
            callbacks.record(&state);
            axum::http::StatusCode::OK
        }
        Err(_) => axum::http::StatusCode::BAD_REQUEST,
    }
}
