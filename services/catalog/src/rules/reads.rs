//! What a rule reads, from its syntax tree: the members of `answers`,
//! `applicant`, `record` and `lists` it names, the literals it compares
//! them with and the kinds it asks `holds_valid` about. The loader checks
//! them against what the rule may read.

use super::{Error, compile_error};
use cel_parser::Expression;
use cel_parser::ast::{Expr, operators};

/// A literal value a rule compares something with.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Boolean(bool),
    Number(f64),
    Null,
}

impl std::fmt::Display for Literal {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Text(text) => write!(formatter, "'{text}'"),
            Literal::Boolean(value) => write!(formatter, "{value}"),
            Literal::Number(value) => write!(formatter, "{value}"),
            Literal::Null => formatter.write_str("null"),
        }
    }
}

/// `variable.member` in a rule: `answers.city`, `record.expires_on`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Member {
    pub variable: String,
    pub member: String,
}

/// What a rule reads, found in its syntax tree (string literals and
/// comprehension variables are not mistaken for references).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reads {
    /// Every `answers.x`, `applicant.x`, `record.x` and `lists.x`
    /// (`has(answers.x)` and `answers['x']` included).
    pub members: Vec<Member>,
    /// `member == literal`, `member != literal` and each literal of
    /// `member in [literal, …]`.
    pub comparisons: Vec<(Member, Literal)>,
    /// The kinds named in `holds_valid('kind')`.
    pub held_kinds: Vec<String>,
}

/// The references and comparisons of a rule.
pub fn reads(source: &str) -> Result<Reads, Error> {
    let expression = cel_parser::Parser::default()
        .parse(source)
        .map_err(|errors| compile_error(&errors))?;
    let mut reads = Reads::default();
    visit(&expression, &mut Vec::new(), &mut reads);
    reads.members.sort();
    reads.members.dedup();
    Ok(reads)
}

/// The variables whose members a rule names.
const MEMBER_VARIABLES: [&str; 4] = ["answers", "applicant", "record", "lists"];

/// `variable.member` unless `variable` is a comprehension's own variable
/// (`bound`), as in `list.exists(record, record.kind == 'x')`.
fn member(expression: &Expression, bound: &[String]) -> Option<Member> {
    let (operand, field) = match &expression.expr {
        Expr::Select(select) => (&*select.operand, select.field.clone()),
        Expr::Call(call) if call.func_name == operators::INDEX && call.target.is_none() => {
            match call.args.as_slice() {
                [operand, key] => match &key.expr {
                    Expr::Literal(cel_parser::reference::Val::String(field)) => {
                        (operand, field.clone())
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
        _ => return None,
    };
    match &operand.expr {
        Expr::Ident(variable)
            if MEMBER_VARIABLES.contains(&variable.as_str()) && !bound.contains(variable) =>
        {
            Some(Member {
                variable: variable.clone(),
                member: field,
            })
        }
        _ => None,
    }
}

fn literal(expression: &Expression) -> Option<Literal> {
    use cel_parser::reference::Val;
    match &expression.expr {
        Expr::Literal(Val::String(text)) => Some(Literal::Text(text.clone())),
        Expr::Literal(Val::Boolean(value)) => Some(Literal::Boolean(*value)),
        // Rule numbers are small; as f64 they compare exactly.
        #[allow(clippy::cast_precision_loss)]
        Expr::Literal(Val::Int(value)) => Some(Literal::Number(*value as f64)),
        #[allow(clippy::cast_precision_loss)]
        Expr::Literal(Val::UInt(value)) => Some(Literal::Number(*value as f64)),
        Expr::Literal(Val::Double(value)) => Some(Literal::Number(*value)),
        Expr::Literal(Val::Null) => Some(Literal::Null),
        _ => None,
    }
}

fn visit(expression: &Expression, bound: &mut Vec<String>, reads: &mut Reads) {
    if let Some(found) = member(expression, bound) {
        reads.members.push(found);
        return;
    }
    match &expression.expr {
        Expr::Select(select) => visit(&select.operand, bound, reads),
        Expr::Call(call) => {
            let name = call.func_name.as_str();
            match call.args.as_slice() {
                [left, right] if name == operators::EQUALS || name == operators::NOT_EQUALS => {
                    for (one, other) in [(left, right), (right, left)] {
                        if let (Some(found), Some(value)) = (member(one, bound), literal(other)) {
                            reads.comparisons.push((found, value));
                        }
                    }
                }
                [left, right] if name == operators::IN => {
                    if let (Some(found), Expr::List(list)) = (member(left, bound), &right.expr) {
                        for element in &list.elements {
                            if let Some(value) = literal(element) {
                                reads.comparisons.push((found.clone(), value));
                            }
                        }
                    }
                }
                [argument] if name == "holds_valid" => {
                    if let Some(Literal::Text(kind)) = literal(argument) {
                        reads.held_kinds.push(kind);
                    }
                }
                _ => {}
            }
            if let Some(target) = &call.target {
                visit(target, bound, reads);
            }
            for argument in &call.args {
                visit(argument, bound, reads);
            }
        }
        Expr::Comprehension(comprehension) => {
            visit(&comprehension.iter_range, bound, reads);
            visit(&comprehension.accu_init, bound, reads);
            let depth = bound.len();
            bound.push(comprehension.iter_var.clone());
            bound.extend(comprehension.iter_var2.clone());
            bound.push(comprehension.accu_var.clone());
            for part in [
                &comprehension.loop_cond,
                &comprehension.loop_step,
                &comprehension.result,
            ] {
                visit(part, bound, reads);
            }
            bound.truncate(depth);
        }
        Expr::List(list) => {
            for element in &list.elements {
                visit(element, bound, reads);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let cel_parser::ast::EntryExpr::MapEntry(entry) = &entry.expr {
                    visit(&entry.key, bound, reads);
                    visit(&entry.value, bound, reads);
                }
            }
        }
        Expr::Struct(structure) => {
            for entry in &structure.entries {
                if let cel_parser::ast::EntryExpr::StructField(field) = &entry.expr {
                    visit(&field.value, bound, reads);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}
