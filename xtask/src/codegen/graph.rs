//! Strongly connected components of a directed graph given as adjacency
//! lists over `0..n`. Used to box recursive types (`lower::recursion`) and to
//! keep mutually recursive types in one crate when huge models are split
//! (`emit::shards`).

/// Tarjan's algorithm, iterative so that a deep spec cannot overflow the
/// stack. Components come out in reverse topological order: every component
/// appears after all the components it has edges to, so walking the result
/// front to back visits dependencies first.
pub fn strongly_connected(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adjacency.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut components = Vec::new();

    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = adjacency[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                members.sort_unstable();
                components.push(members);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components_come_dependencies_first() {
        // 0 → 1 ⇄ 2 → 3, and 4 alone.
        let graph = vec![vec![1], vec![2], vec![1, 3], vec![], vec![]];
        let components = strongly_connected(&graph);
        assert_eq!(components, vec![vec![3], vec![1, 2], vec![0], vec![4]]);
    }

    #[test]
    fn deep_chains_do_not_overflow() {
        let n = 200_000;
        let graph: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let components = strongly_connected(&graph);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), n);
    }
}
