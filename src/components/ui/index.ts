// The few primitives most panels need, from one place. Anything else: import its own module.
export { Alert } from '~/components/ui/alert';
export { Badge } from '~/components/ui/badge';
export { Button } from '~/components/ui/button';
export { Card, CardDescription, CardHeader, CardTitle } from '~/components/ui/card';
export { cn } from '~/components/ui/cn';
export { Field } from '~/components/ui/field';
