//! Reconciling a purchase order against the contract list: which items match, which are missing or
//! extra, and what differs between matched items.

/// An equipment line as reconciliation sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    pub name: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub spec: Option<String>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
}

/// What differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DifferenceKind {
    /// On the contract list, not on the order.
    Missing,
    /// On the order, not on the contract list.
    Extra,
    Quantity,
    Brand,
    Model,
    Spec,
    Unit,
}

impl DifferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DifferenceKind::Missing => "missing",
            DifferenceKind::Extra => "extra",
            DifferenceKind::Quantity => "quantity",
            DifferenceKind::Brand => "brand",
            DifferenceKind::Model => "model",
            DifferenceKind::Spec => "spec",
            DifferenceKind::Unit => "unit",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DifferenceKind::Missing => "订购单缺项",
            DifferenceKind::Extra => "订购单多出",
            DifferenceKind::Quantity => "数量不一致",
            DifferenceKind::Brand => "品牌不一致",
            DifferenceKind::Model => "型号不一致",
            DifferenceKind::Spec => "规格参数不一致",
            DifferenceKind::Unit => "单位不一致",
        }
    }

    /// The label when two versions of one list are compared (earlier → later), where there is no
    /// order to be missing from.
    pub fn label_between_versions_zh(self) -> &'static str {
        match self {
            DifferenceKind::Missing => "新版本删除",
            DifferenceKind::Extra => "新版本新增",
            DifferenceKind::Quantity => "数量变更",
            DifferenceKind::Brand => "品牌变更",
            DifferenceKind::Model => "型号变更",
            DifferenceKind::Spec => "规格参数变更",
            DifferenceKind::Unit => "单位变更",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub kind: DifferenceKind,
    /// Index into the contract list.
    pub contract: Option<usize>,
    /// Index into the order.
    pub order: Option<usize>,
    pub contract_value: Option<String>,
    pub order_value: Option<String>,
}

/// Case, width, spaces and punctuation do not count: "S5735-L24P4S-A1" = "ｓ5735 l24p4s a1".
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn key(v: &Option<String>) -> String {
    v.as_deref().map(normalise).unwrap_or_default()
}

/// Pairs order lines with contract lines — first by model and name, then by model, then by name —
/// and lists every difference, in contract order, extras last.
pub fn reconcile(contract: &[Line], order: &[Line]) -> Vec<Difference> {
    let mut matched: Vec<Option<usize>> = vec![None; contract.len()];
    let mut taken = vec![false; order.len()];
    type Rule = fn(&Line, &Line) -> bool;
    let rules: [Rule; 3] = [
        |a, b| !key(&a.model).is_empty() && key(&a.model) == key(&b.model) && normalise(&a.name) == normalise(&b.name),
        |a, b| !key(&a.model).is_empty() && key(&a.model) == key(&b.model),
        |a, b| normalise(&a.name) == normalise(&b.name),
    ];
    for rule in rules {
        for (ci, c) in contract.iter().enumerate() {
            if matched[ci].is_some() {
                continue;
            }
            if let Some(oi) = (0..order.len()).find(|&oi| !taken[oi] && rule(c, &order[oi])) {
                matched[ci] = Some(oi);
                taken[oi] = true;
            }
        }
    }
    let mut out = Vec::new();
    for (ci, c) in contract.iter().enumerate() {
        let Some(oi) = matched[ci] else {
            out.push(Difference {
                kind: DifferenceKind::Missing,
                contract: Some(ci),
                order: None,
                contract_value: Some(c.name.clone()),
                order_value: None,
            });
            continue;
        };
        let o = &order[oi];
        let qty = |q: Option<f64>| {
            q.map(|q| {
                if q.fract() == 0.0 {
                    format!("{}", q as i64)
                } else {
                    q.to_string()
                }
            })
        };
        let fields = [
            (DifferenceKind::Quantity, qty(c.quantity), qty(o.quantity)),
            (DifferenceKind::Brand, c.brand.clone(), o.brand.clone()),
            (DifferenceKind::Model, c.model.clone(), o.model.clone()),
            (DifferenceKind::Spec, c.spec.clone(), o.spec.clone()),
            (DifferenceKind::Unit, c.unit.clone(), o.unit.clone()),
        ];
        for (kind, a, b) in fields {
            if key(&a) != key(&b) {
                out.push(Difference {
                    kind,
                    contract: Some(ci),
                    order: Some(oi),
                    contract_value: a,
                    order_value: b,
                });
            }
        }
    }
    for (oi, o) in order.iter().enumerate().filter(|(oi, _)| !taken[*oi]) {
        out.push(Difference {
            kind: DifferenceKind::Extra,
            contract: None,
            order: Some(oi),
            contract_value: None,
            order_value: Some(o.name.clone()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, model: &str, qty: f64) -> Line {
        Line {
            name: name.into(),
            model: (!model.is_empty()).then(|| model.into()),
            quantity: Some(qty),
            ..Default::default()
        }
    }

    #[test]
    fn width_case_spaces_and_punctuation_do_not_count() {
        assert_eq!(normalise("ＤＳ－2CD3745FWD-IZS"), normalise("ds 2cd3745fwd izs"));
        assert_eq!(normalise("液晶显示器 55寸"), normalise("液晶显示器55寸"));
    }

    #[test]
    fn differences_are_missing_extra_quantity_and_model() {
        let contract = [
            line("庭审主机", "KDV-TR8000", 6.0),
            line("高清矩阵", "VM-1616H", 6.0),
            line("核心交换机", "S5735-L48T4X-A1", 2.0),
        ];
        let order = [
            line("庭审主机", "kdv tr8000", 5.0),
            line("核心交换机", "S5735-L48T4X-A", 2.0),
            line("UPS 不间断电源", "C3KS", 6.0),
        ];
        let kinds: Vec<(DifferenceKind, Option<String>, Option<String>)> = reconcile(&contract, &order)
            .into_iter()
            .map(|d| (d.kind, d.contract_value, d.order_value))
            .collect();
        assert_eq!(
            kinds,
            [
                (DifferenceKind::Quantity, Some("6".into()), Some("5".into())),
                (DifferenceKind::Missing, Some("高清矩阵".into()), None),
                (
                    DifferenceKind::Model,
                    Some("S5735-L48T4X-A1".into()),
                    Some("S5735-L48T4X-A".into())
                ),
                (DifferenceKind::Extra, None, Some("UPS 不间断电源".into())),
            ]
        );
    }
}
