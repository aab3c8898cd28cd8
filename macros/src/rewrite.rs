//! Rewriting a body: `yield_!`, `recv!`, `yield_from!` and the upstream's uses become awaits on
//! the body's `Co`.
//!
//! Two passes in one walk: a `VisitMut` over the syntax tree, and, inside the tokens of other
//! macros (`assert_eq!(recv!(), Some(1))`), a token-tree pass that does the same replacements.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprMacro, Macro, Stmt};

/// Which attribute's body is being rewritten.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Generator,
    Coro,
    /// A `#[task]`: a coroutine whose receives are `syscall!`s.
    Task,
}

/// The macros a body may use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ours {
    Yield,
    YieldFrom,
    Recv,
    Syscall,
}

impl Ours {
    fn of(mac: &Macro) -> Option<Ours> {
        let seg = mac.path.segments.last()?;
        Some(match seg.ident.to_string().as_str() {
            "yield_" => Ours::Yield,
            "yield_from" => Ours::YieldFrom,
            "recv" => Ours::Recv,
            "syscall" => Ours::Syscall,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Ours::Yield => "yield_!",
            Ours::YieldFrom => "yield_from!",
            Ours::Recv => "recv!",
            Ours::Syscall => "syscall!",
        }
    }
}

/// Statements every generator body starts with: the traits `yield_from!` dispatches through.
pub(crate) fn body_preamble() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::genpipe::__private::{DelegateGen as _, DelegateIter as _};
    }
}

/// The attribute on every body's `async move` block.
///
/// Why `inline(always)` on the block: rustc applies it to the body's `poll`, and a pipeline is
/// fast only when every body's `poll` is inlined into the loop that drives it. With only an
/// inline hint LLVM outlines a body once it drives more than one pipeline (its cost, ~450, is
/// over the threshold, 325), and the counts then depend on the codegen unit and the profile.
/// `#[inline]` on the generated function does not reach the poll.
pub(crate) fn inline_body() -> TokenStream {
    quote!(#[inline(always)])
}

/// The identifier of the body's `Co`.
///
/// Mixed-site hygiene: the binding resolves only from tokens this macro writes, so user code
/// in the body cannot name it (it would hand the `Co`, which is `Send`, to another thread, or
/// await it where the engine does not expect it).
pub(crate) fn co_ident() -> Ident {
    Ident::new("__genpipe_co", Span::mixed_site())
}

pub(crate) struct Rewriter {
    kind: Kind,
    co: Ident,
    upstream: Option<Ident>,
    /// Inside a closure or async block: our macros cannot suspend the body from there.
    nested: usize,
    /// An `async fn` body: `.await` is the executor's, and allowed.
    awaits: bool,
    /// The generator's own name when its type is opaque (`-> Gen<..>`): a `yield_from!` of a
    /// call to it would make the type contain itself (rustc's E0733 says "boxing" in async
    /// terms; this says what to declare).
    unboxed_self: Option<Ident>,
    pub(crate) errors: Vec<syn::Error>,
}

impl Rewriter {
    pub(crate) fn new(kind: Kind, upstream: Option<Ident>) -> Self {
        Rewriter {
            kind,
            co: co_ident(),
            upstream,
            nested: 0,
            awaits: false,
            unboxed_self: None,
            errors: Vec::new(),
        }
    }

    /// An async body (`#[generator] async fn`, `#[coro] async fn`): its `.await`s run on the
    /// executor that polls it.
    pub(crate) fn allow_await(&mut self) {
        self.awaits = true;
    }

    /// Reports `yield_from!(name(..))` and `for x in name(..)` in the body of `name`.
    pub(crate) fn forbid_unboxed_recursion(&mut self, name: Ident) {
        self.unboxed_self = Some(name);
    }

    /// Records an error if `expr` calls the generator itself while its type is opaque.
    fn check_recursion(&mut self, expr: &Expr) {
        let Some(name) = &self.unboxed_self else {
            return;
        };
        let mut e = expr;
        // `walk(child)`, `(walk(child))`, `walk(child).into_gen()`...
        loop {
            match e {
                Expr::Paren(p) => e = &p.expr,
                Expr::MethodCall(m) => e = &m.receiver,
                Expr::Reference(r) => e = &r.expr,
                _ => break,
            }
        }
        if let Expr::Call(call) = e
            && let Expr::Path(p) = &*call.func
            && p.path.is_ident(name)
        {
            let message = format!(
                "`{name}` yields from a call to itself, so its type would contain itself: declare \
                 it `-> BoxGen<'a, T>` (or `LocalBoxGen<'a, T>` if it is not `Send`) instead of \
                 `-> Gen<..>`; the body stays as it is"
            );
            self.error(call, message);
        }
    }

    fn error(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// The expression replacing one of our macros, or `None` after recording an error.
    fn expand_ours(&mut self, which: Ours, mac: &Macro) -> Option<TokenStream> {
        if self.nested > 0 {
            self.error(
                mac,
                format!(
                    "{} cannot be used inside a closure or async block: only the generator's own \
                     body can suspend; use a loop in the body instead",
                    which.name()
                ),
            );
            return None;
        }
        let span = mac.span();
        let co = self.co.clone();
        let args = mac.tokens.clone();
        match (which, self.kind) {
            (Ours::Yield, Kind::Generator) => {
                if args.is_empty() {
                    self.error(mac, "yield_! takes the item to yield: `yield_!(value)`");
                    return None;
                }
                let args = self.rewrite_tokens(args);
                Some(quote_spanned!(span=> #co.yield_(#args).await))
            }
            (Ours::YieldFrom, Kind::Generator) => {
                if args.is_empty() {
                    self.error(
                        mac,
                        "yield_from! takes a generator or iterable: `yield_from!(sub)`",
                    );
                    return None;
                }
                if let Some(up) = &self.upstream
                    && is_just(&args, up)
                {
                    let item = Ident::new("__genpipe_item", Span::mixed_site());
                    return Some(quote_spanned!(span=>
                        while let ::core::option::Option::Some(#item) =
                            #up.__genpipe_next().await
                        {
                            #co.yield_(#item).await;
                        }
                    ));
                }
                if let Ok(operand) = syn::parse2::<Expr>(args.clone()) {
                    self.check_recursion(&operand);
                }
                let args = self.rewrite_tokens(args);
                // The traits are in scope from the body's preamble (`body_preamble`).
                Some(quote_spanned!(span=>
                    (&mut ::genpipe::__private::Probe::new(#args)).delegate(#co).await
                ))
            }
            (Ours::Recv, Kind::Coro) => {
                if args.is_empty() {
                    Some(quote_spanned!(span=> #co.next().await))
                } else {
                    let args = self.rewrite_tokens(args);
                    Some(quote_spanned!(span=> #co.recv(#args).await))
                }
            }
            (Ours::Recv, Kind::Generator) => {
                let hint = if self.upstream.is_some() {
                    "recv!() belongs in a #[coro]; a stage reads its upstream with \
                     `for x in input` or `input.next()`"
                } else {
                    "recv!() belongs in a #[coro]; a generator only yields"
                };
                self.error(mac, hint);
                None
            }
            (Ours::Syscall, Kind::Task) => {
                if args.is_empty() {
                    self.error(mac, "syscall! takes the call to make: `syscall!(GetTid)`");
                    return None;
                }
                let args = self.rewrite_tokens(args);
                let (call, reply) = (
                    Ident::new("__genpipe_call", Span::mixed_site()),
                    Ident::new("__genpipe_reply", Span::mixed_site()),
                );
                // A call may ask more than once (I/O that would block waits for readiness and
                // tries again); simple calls ask once.
                Some(quote_spanned!(span=> {
                    let mut #call = ::genpipe::sched::SystemCall::start(#args);
                    let mut #reply = ::core::option::Option::None;
                    loop {
                        match ::genpipe::sched::CallState::step(&mut #call, #reply.take()) {
                            ::genpipe::sched::Progress::Done(value) => break value,
                            ::genpipe::sched::Progress::Ask(request) => {
                                #reply = #co.recv(request).await;
                            }
                        }
                    }
                }))
            }
            (Ours::Syscall, Kind::Generator | Kind::Coro) => {
                self.error(
                    mac,
                    "syscall! belongs in a #[task] fn, which the scheduler (`genpipe::sched`) runs",
                );
                None
            }
            (Ours::Yield | Ours::YieldFrom | Ours::Recv, Kind::Task) => {
                self.error(
                    mac,
                    format!(
                        "{} does not belong in a #[task]: a task suspends with `syscall!(Yield)` \
                         or another system call",
                        which.name()
                    ),
                );
                None
            }
            (Ours::Yield | Ours::YieldFrom, Kind::Coro) => {
                self.error(
                    mac,
                    format!(
                        "{} belongs in a #[generator]; a #[coro] answers with `recv!(reply)`",
                        which.name()
                    ),
                );
                None
            }
        }
    }

    /// The token-tree pass, for the arguments of other macros.
    fn rewrite_tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = Vec::with_capacity(trees.len());
        let mut i = 0;
        while i < trees.len() {
            // `name ! (..)` for one of our macros.
            if let (TokenTree::Ident(id), Some(TokenTree::Punct(bang)), Some(TokenTree::Group(g))) =
                (&trees[i], trees.get(i + 1), trees.get(i + 2))
                && bang.as_char() == '!'
            {
                let mac: Option<Macro> = syn::parse2(quote!(#id ! #g)).ok();
                if let Some((which, mac)) = mac.and_then(|m| Ours::of(&m).map(|w| (w, m))) {
                    if let Some(expanded) = self.expand_ours(which, &mac) {
                        out.push(TokenTree::Group(Group::new(Delimiter::None, expanded)));
                    }
                    i += 3;
                    continue;
                }
            }
            // `input . next ( )` for the upstream.
            if let Some(up) = &self.upstream
                && let TokenTree::Ident(id) = &trees[i]
                && id == up
                && is_next_call(&trees[i + 1..])
            {
                let up = up.clone();
                out.push(TokenTree::Group(Group::new(
                    Delimiter::None,
                    quote_spanned!(id.span()=> #up.__genpipe_next().await),
                )));
                i += 4;
                continue;
            }
            match &trees[i] {
                TokenTree::Group(g) => {
                    let mut inner = Group::new(g.delimiter(), self.rewrite_tokens(g.stream()));
                    inner.set_span(g.span());
                    out.push(TokenTree::Group(inner));
                }
                other => out.push(other.clone()),
            }
            i += 1;
        }
        out.into_iter().collect()
    }

    fn is_upstream(&self, expr: &Expr) -> bool {
        match (&self.upstream, expr) {
            (Some(up), Expr::Path(p)) => p.qself.is_none() && p.path.is_ident(up),
            _ => false,
        }
    }
}

/// `tokens` is exactly the identifier `id`.
fn is_just(tokens: &TokenStream, id: &Ident) -> bool {
    let mut it = tokens.clone().into_iter();
    matches!((it.next(), it.next()), (Some(TokenTree::Ident(t)), None) if t == *id)
}

/// `. next ( )` follows.
fn is_next_call(rest: &[TokenTree]) -> bool {
    matches!(
        rest,
        [TokenTree::Punct(dot), TokenTree::Ident(next), TokenTree::Group(args), ..]
            if dot.as_char() == '.' && next == "next"
                && args.delimiter() == Delimiter::Parenthesis && args.stream().is_empty()
    )
}

impl VisitMut for Rewriter {
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        // `yield_!(x);` is a statement macro; make it an expression statement we can replace.
        if let Stmt::Macro(sm) = stmt {
            if Ours::of(&sm.mac).is_some() {
                let expr = Expr::Macro(ExprMacro {
                    attrs: sm.attrs.clone(),
                    mac: sm.mac.clone(),
                });
                *stmt = Stmt::Expr(expr, sm.semi_token.or_else(|| Some(Default::default())));
            } else {
                sm.mac.tokens = self.rewrite_tokens(sm.mac.tokens.clone());
                return;
            }
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Macro(em) => {
                if let Some(which) = Ours::of(&em.mac) {
                    let mac = em.mac.clone();
                    *expr = match self.expand_ours(which, &mac) {
                        Some(tokens) => syn::parse2(tokens).unwrap_or_else(|e| {
                            self.errors.push(e);
                            Expr::Verbatim(TokenStream::new())
                        }),
                        // The error is recorded; keep a well-typed placeholder.
                        None => syn::parse_quote_spanned!(mac.span()=> ::core::unreachable!()),
                    };
                } else {
                    em.mac.tokens = self.rewrite_tokens(em.mac.tokens.clone());
                }
            }
            Expr::Await(aw) if self.nested == 0 && !self.awaits => {
                self.error(
                    &*aw,
                    "a generator or coroutine body runs without an async executor, so `.await` \
                     on a future cannot suspend it: nothing would ever wake it. To await, make \
                     it an `async fn` returning `AsyncGen<T>` (or `AsyncCoro<In, Out>`), which \
                     an executor polls (feature `async`); or compute the value before the body, \
                     or delegate to another generator with `yield_from!`",
                );
                visit_mut::visit_expr_mut(self, expr);
            }
            Expr::Closure(_) | Expr::Async(_) => {
                self.nested += 1;
                visit_mut::visit_expr_mut(self, expr);
                self.nested -= 1;
            }
            Expr::ForLoop(fl) if self.is_upstream(&fl.expr) => {
                visit_mut::visit_block_mut(self, &mut fl.body);
                if self.nested > 0 {
                    self.error(
                        &fl.expr,
                        "the upstream cannot be read inside a closure or async block",
                    );
                }
                let up = self.upstream.clone();
                let (label, pat, body, attrs) = (&fl.label, &fl.pat, &fl.body, &fl.attrs);
                *expr = syn::parse_quote_spanned!(fl.span()=>
                    #(#attrs)*
                    #label while let ::core::option::Option::Some(#pat) = #up.__genpipe_next().await
                    #body
                );
            }
            // `for x in walk(child) { yield_!(x) }`: the sub-generator lives across a yield.
            Expr::ForLoop(fl)
                if self.nested == 0
                    && self.unboxed_self.is_some()
                    && fl.body.to_token_stream().to_string().contains("yield_") =>
            {
                let iterated = (*fl.expr).clone();
                self.check_recursion(&iterated);
                visit_mut::visit_expr_mut(self, expr);
            }
            Expr::MethodCall(mc)
                if self.is_upstream(&mc.receiver) && mc.method == "next" && mc.args.is_empty() =>
            {
                if self.nested > 0 {
                    self.error(
                        &*mc,
                        "the upstream cannot be read inside a closure or async block",
                    );
                }
                let up = self.upstream.clone();
                *expr = syn::parse_quote_spanned!(mc.span()=> #up.__genpipe_next().await);
            }
            Expr::Path(_) if self.is_upstream(expr) => {
                let name = self.upstream.clone();
                self.error(
                    &*expr,
                    format!(
                        "the upstream `{}` can only be read with `for x in {0}`, `{0}.next()`, \
                         `while let Some(x) = {0}.next()` or `yield_from!({0})`; \
                         to use an iterator adapter, write it as a stage after this one",
                        name.map(|n| n.to_string()).unwrap_or_default()
                    ),
                );
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    // A nested `fn` is its own scope: its body is not the generator's.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
