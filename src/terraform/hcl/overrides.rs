//! Override files (`override.tf`, `*_override.tf` and their `.tf.json` forms), merged the way
//! Terraform merges them, so that the effective tags are those Terraform would apply.
//!
//! Terraform reads the normal files first, then each override file in lexical order of its
//! name, and merges every top-level block of an override file into the block of the same
//! header (type and labels) that the normal files define:
//! - an attribute of the override block replaces the attribute of the same name (so `tags` is
//!   replaced as a whole, never merged key by key);
//! - nested blocks of one type in the override block replace *all* nested blocks of that type
//!   (a `default_tags` block replaces the original `default_tags`; `tag` blocks of an
//!   autoscaling group replace all its `tag` blocks; every `dynamic` block is one type, as
//!   Terraform merges before it expands dynamic blocks); other nested block types stay;
//! - `locals` merge value by value, whichever `locals` block defines them;
//! - `variable`: `type`, `default` and `nullable` merge like attributes, and the default is
//!   converted to the (possibly overridden) type when the variable is read;
//! - `terraform`: a `backend` block in the override replaces the original backend.
//!
//! A block is not copied: a [`Merged`] keeps the original block and the override blocks in
//! order, and answers "which attribute / which nested blocks win" with the file each comes
//! from, so every location still points at the line the user wrote. An override block that
//! matches nothing is an error in Terraform ("Missing resource to override"): here it is a
//! diagnostic and the block is ignored.

use hcl_edit::structure::{Attribute, Block};

use super::files::SourceFile;

/// `override.tf`, `x_override.tf` and their `.tf.json` forms.
pub(super) fn is_override_file(name: &str) -> bool {
    let stem = name.strip_suffix(".tf.json").or_else(|| name.strip_suffix(".tf")).unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

/// A top-level block with the override blocks merged over it, latest last.
#[derive(Clone)]
pub(super) struct Merged<'a> {
    /// The original block first, then the override blocks in the order Terraform applies them.
    layers: Vec<(&'a Block, &'a SourceFile)>,
}

/// An attribute and the file it was written in.
#[derive(Clone, Copy)]
pub(super) struct Attr<'a> {
    pub(super) attr: &'a Attribute,
    pub(super) file: &'a SourceFile,
}

impl<'a> Merged<'a> {
    pub(super) fn new(block: &'a Block, file: &'a SourceFile) -> Self {
        Self { layers: vec![(block, file)] }
    }

    /// Merge an override block over what is there.
    pub(super) fn push(&mut self, block: &'a Block, file: &'a SourceFile) {
        self.layers.push((block, file));
    }

    /// The original block (its header and location are the resource's).
    pub(super) fn block(&self) -> &'a Block {
        self.layers[0].0
    }

    /// The file of the original block.
    pub(super) fn file(&self) -> &'a SourceFile {
        self.layers[0].1
    }

    /// The winning attribute `name`: the one of the latest block that sets it.
    pub(super) fn attr(&self, name: &str) -> Option<Attr<'a>> {
        self.layers
            .iter()
            .rev()
            .find_map(|(block, file)| block.body.get_attribute(name).map(|attr| Attr { attr, file }))
    }

    /// Index of the layer whose nested blocks of type `ident` win: the latest that has any.
    fn winner(&self, ident: &str) -> Option<usize> {
        self.layers.iter().rposition(|(block, _)| block.body.get_blocks(ident).next().is_some())
    }

    /// The winning nested blocks of type `ident`, with their file.
    pub(super) fn blocks(&self, ident: &str) -> Vec<(&'a Block, &'a SourceFile)> {
        match self.winner(ident) {
            Some(i) => {
                let (block, file) = self.layers[i];
                block.body.blocks().filter(|b| b.ident.as_str() == ident).map(|b| (b, file)).collect()
            }
            None => Vec::new(),
        }
    }

    /// The winning nested blocks of any of `idents`, in layer order then source order (with no
    /// override: in source order).
    pub(super) fn blocks_of(&self, idents: &[&str]) -> Vec<(&'a Block, &'a SourceFile)> {
        let winners: Vec<Option<usize>> = idents.iter().map(|i| self.winner(i)).collect();
        let mut out = Vec::new();
        for (layer, (block, file)) in self.layers.iter().enumerate() {
            for nested in block.body.blocks() {
                let wins = idents
                    .iter()
                    .zip(&winners)
                    .any(|(ident, winner)| nested.ident.as_str() == *ident && *winner == Some(layer));
                if wins {
                    out.push((nested, *file));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        match SourceFile::parse(path.to_string(), text.to_string()) {
            Ok(f) => f,
            Err(d) => panic!("{d:?}"),
        }
    }

    #[test]
    fn override_file_names() {
        for name in ["override.tf", "override.tf.json", "a_override.tf", "x_override.tf.json"] {
            assert!(is_override_file(name), "{name}");
        }
        for name in ["main.tf", "overrides.tf", "override_a.tf", "myoverride.tf", "a.tf.json"] {
            assert!(!is_override_file(name), "{name}");
        }
    }

    #[test]
    fn attributes_replace_and_nested_blocks_replace_by_type() {
        let base = file(
            "main.tf",
            "resource \"x\" \"y\" {\n  a = 1\n  tags = { k = \"v\" }\n  tag { key = \"a\" }\n  tag { key = \"b\" }\n  other {}\n}\n",
        );
        let over =
            file("override.tf", "resource \"x\" \"y\" {\n  tags = { j = \"w\" }\n  tag { key = \"c\" }\n}\n");
        let (Some(b), Some(o)) = (base.body.blocks().next(), over.body.blocks().next()) else {
            panic!("no blocks")
        };
        let mut merged = Merged::new(b, &base);
        assert_eq!(merged.blocks("tag").len(), 2);
        merged.push(o, &over);
        let tags = merged.attr("tags").map(|a| a.file.path.clone());
        assert_eq!(tags.as_deref(), Some("override.tf"));
        assert_eq!(merged.attr("a").map(|a| a.file.path.clone()).as_deref(), Some("main.tf"));
        let tag_blocks = merged.blocks("tag");
        assert_eq!(tag_blocks.len(), 1);
        assert_eq!(tag_blocks[0].1.path, "override.tf");
        assert_eq!(merged.blocks("other").len(), 1);
        let both = merged.blocks_of(&["tag", "other"]);
        let idents: Vec<(&str, &str)> =
            both.iter().map(|(b, f)| (b.ident.as_str(), f.path.as_str())).collect();
        assert_eq!(idents, [("other", "main.tf"), ("tag", "override.tf")]);
        assert_eq!(merged.file().path, "main.tf");
    }
}
