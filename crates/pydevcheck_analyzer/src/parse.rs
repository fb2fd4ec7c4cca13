//! The only module that touches ruff's parser and syntax tree.

use crate::ir;

pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

pub(crate) fn parse(text: &str) -> Result<ir::Module, SyntaxError> {
    match ruff_python_parser::parse_module(text) {
        Ok(_) => Ok(ir::Module {}),
        Err(error) => Err(SyntaxError {
            message: error.error.to_string(),
            start: error.location.start().to_u32(),
            end: error.location.end().to_u32(),
        }),
    }
}
