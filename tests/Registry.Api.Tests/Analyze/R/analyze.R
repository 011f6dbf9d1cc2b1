# R's twin of the registry's `analyze` verb: the same arguments, the same JSON object, computed by survival.
#   Rscript tests/Registry.Api.Tests/Analyze/R/analyze.R --csv FILE --time COL --event COL --group COL \
#     [--reference LEVEL] [--strata COL] [--covariates C1,C2] [--ties efron|breslow] [--conf-type log|log-log|plain]
# Written with R 4.2.2, survival 3.5-3, jsonlite 1.8.4. NA/NaN/Inf are written as null; numbers with 15 significant digits.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

parse_args <- function(argv) {
  args <- list(reference = NULL, strata = NULL, covariates = NULL, ties = "efron", `conf-type` = "log")
  for (i in seq(1, length(argv), by = 2)) args[[sub("^--", "", argv[i])]] <- argv[i + 1]
  args
}

fin <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
test <- function(stat, df, p) list(chiSquare = fin(stat), df = as.integer(df), p = fin(p))

# The registry's level order: numbers numerically, text in C-locale (radix) order.
sorted_levels <- function(x) if (is.numeric(x)) as.character(sort(unique(x))) else sort(unique(x), method = "radix")

km_group <- function(level, time, event, conf_type) {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = conf_type)
  s <- summary(fit, censored = FALSE)
  tab <- summary(fit)$table
  list(group = level, n = as.integer(fit$n), events = as.integer(sum(event)),
       median = fin(tab["median"]), medianLower = fin(tab["0.95LCL"]), medianUpper = fin(tab["0.95UCL"]),
       steps = data.frame(time = s$time, nRisk = as.integer(s$n.risk), nEvent = as.integer(s$n.event), survival = s$surv,
                          stdErr = fin(s$std.err), lower = fin(s$lower), upper = fin(s$upper)))
}

log_rank <- function(formula, d) {
  sd <- survdiff(formula, data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  exp <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  df <- sum(exp > 0) - 1
  c(test(sd$chisq, df, pchisq(sd$chisq, df, lower.tail = FALSE)), list(observed = I(obs), expected = I(exp)))
}

cox <- function(formula, d, ties, names) {
  fit <- coxph(formula, data = d, ties = ties)
  s <- summary(fit)
  co <- s$coefficients
  ci <- s$conf.int
  terms <- lapply(seq_along(names), function(j) list(
    name = names[j], coef = fin(co[j, "coef"]), se = fin(co[j, "se(coef)"]), hr = fin(co[j, "exp(coef)"]),
    hrLower = fin(ci[j, "lower .95"]), hrUpper = fin(ci[j, "upper .95"]), p = fin(co[j, "Pr(>|z|)"])))
  list(ties = ties, terms = terms, logLikelihood = I(fit$loglik),
       likelihoodRatio = test(s$logtest["test"], s$logtest["df"], s$logtest["pvalue"]),
       # summary() rounds its Wald statistic to 2 decimals; fit$wald.test has it in full.
       wald = test(fit$wald.test, s$waldtest["df"], pchisq(fit$wald.test, s$waldtest["df"], lower.tail = FALSE)),
       score = test(s$sctest["test"], s$sctest["df"], s$sctest["pvalue"]))
}

analyze <- function(args) {
  d <- read.csv(args$csv, check.names = FALSE, stringsAsFactors = FALSE)
  levels <- sorted_levels(d[[args$group]])
  reference <- if (is.null(args$reference)) levels[1] else args$reference
  d$.time <- d[[args$time]]
  d$.event <- d[[args$event]]
  d$.group <- relevel(factor(as.character(d[[args$group]]), levels = levels), ref = reference)
  contrasts <- paste0(args$group, "=", setdiff(levels, reference))
  out <- list(km = lapply(levels, function(l) {
    rows <- d$.group == l
    km_group(l, d$.time[rows], d$.event[rows], args$`conf-type`)
  }))
  d$.level <- factor(as.character(d[[args$group]]), levels = levels)
  out$logRank <- log_rank(Surv(.time, .event) ~ .level, d)
  if (!is.null(args$strata)) {
    d$.stratum <- d[[args$strata]]
    out$stratifiedLogRank <- log_rank(Surv(.time, .event) ~ .level + strata(.stratum), d)
  }
  out$cox <- cox(Surv(.time, .event) ~ .group, d, args$ties, contrasts)
  if (!is.null(args$strata)) out$stratifiedCox <- cox(Surv(.time, .event) ~ .group + strata(.stratum), d, args$ties, contrasts)
  if (!is.null(args$covariates)) {
    covariates <- strsplit(args$covariates, ",")[[1]]
    rhs <- paste(c(".group", sprintf("`%s`", covariates)), collapse = " + ")
    out$multivariableCox <- cox(as.formula(paste("Surv(.time, .event) ~", rhs)), d, args$ties, c(contrasts, covariates))
  }
  toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null", dataframe = "rows")
}

if (sys.nframe() == 0) cat(analyze(parse_args(commandArgs(trailingOnly = TRUE))), "\n")
